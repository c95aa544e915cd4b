"""``python -m vidstream``: the same command line as the ``vidstream`` script."""

from vidstream.cli import main

if __name__ == "__main__":
    main()
