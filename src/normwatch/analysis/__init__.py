"""The read layer over a knowledge base and its assessments: catalogue queries, state
profiles and scorecards, blocs, trends, crisis briefs and draft-norm what-ifs."""
