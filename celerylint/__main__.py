from __future__ import annotations

from celerylint.cli import main

if __name__ == "__main__":
    main(prog_name="celerylint")
