from __future__ import annotations

from celerylint.cli import entry

if __name__ == "__main__":
    entry()
