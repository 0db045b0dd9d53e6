"""``python -m registry`` and the ``registry`` console script."""

from registry.cli import main

if __name__ == "__main__":
    main()
