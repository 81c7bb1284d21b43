"""`python -m rnn_tui` runs the command line (also used by torchrun)."""

from rnn_tui.cli import main

if __name__ == "__main__":
    main()
