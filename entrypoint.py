"""Container entry point of the GitHub action and the image: run the command line."""

from testerarmy_wait.command import main

if __name__ == "__main__":
    raise SystemExit(main())
