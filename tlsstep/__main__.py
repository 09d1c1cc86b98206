"""``python -m tlsstep``."""

from tlsstep.cli import main

if __name__ == "__main__":
    main()
