"""Where the embedded database and the signing keys live when no setting names them.

One place whatever the working directory: a command run from another folder must find the same
database and keys, never start a new empty database and new keys there. In order:

1. ``REGISTRY_DATA_DIR``, made absolute once (relative to the folder it was given in);
2. in a source checkout (this package beside a ``pyproject.toml`` naming the project): its ``var/``;
3. an installed package: ``$XDG_DATA_HOME/registry``, by default ``~/.local/share/registry``.

``REGISTRY_DATABASE_URL`` and ``REGISTRY_KEYS_DIR`` still override the database and the keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: the folder holding the ``registry`` package
_SOURCE = Path(__file__).resolve().parents[2]


def project_root(source: Path = _SOURCE) -> Path | None:
    """The checkout the package runs from, or None when it is installed (site-packages)."""
    pyproject = source / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return source if '\nname = "registry"\n' in text else None


def data_dir(configured: str | None, env: Mapping[str, str], source: Path = _SOURCE) -> Path:
    if configured:
        return Path(configured).expanduser().resolve()
    root = project_root(source)
    if root is not None:
        return root / "var"
    xdg = env.get("XDG_DATA_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "share")
    return Path(xdg).expanduser().resolve() / "registry"


def sqlite_url(directory: Path) -> str:
    """The embedded database in ``directory`` (an absolute path: four slashes after the scheme)."""
    return f"sqlite+aiosqlite:///{directory / 'registry.db'}"
