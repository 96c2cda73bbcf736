"""Reference county server for sync protocol v1 (FastAPI + PostgreSQL, psycopg 3).

``python -m server --database-url ... --admin-token ...`` runs it; ``create_app`` builds
the ASGI app for tests. Never imports ``ui/`` or ``sync/``.
"""
from .app import create_app
from .settings import Settings

__all__ = ["create_app", "Settings"]
