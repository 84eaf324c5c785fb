"""The web service: the store, migrations, tokens, the REST API, TAXII 2.1 and the web UI,
in one FastAPI application (:func:`normwatch.service.app.create_app`)."""
