from normwatch.cli import main

main()
