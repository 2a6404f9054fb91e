"""The task's entry point: `python -m importer`."""

from importer.task import main

if __name__ == "__main__":
    main()
