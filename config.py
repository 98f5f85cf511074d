"""Configuration of the standalone admin (``sync_admin.create_app()``).

Every value can be overridden by an environment variable of the same name;
``SYNC_ADMIN_CONFIG=/path/to/file.py`` replaces this file. The full list of
``SYNC_ADMIN_*`` keys, with defaults, is in the README and ``sync_admin/settings.py``.
"""

import os

from flask_appbuilder.const import AUTH_DB

# Flask / Flask-AppBuilder
SECRET_KEY = os.environ.get("SECRET_KEY", "")
APP_NAME = os.environ.get("APP_NAME", "sync-admin")
AUTH_TYPE = AUTH_DB
if os.environ.get("DATABASE_URL"):
    SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
# JWT for the JSON API (FAB's /api/v1/security/login)
JWT_ACCESS_TOKEN_EXPIRES = int(os.environ.get("JWT_ACCESS_TOKEN_EXPIRES", "900"))

# sync-admin: any SYNC_ADMIN_* variable in the environment is taken as is;
# sync_admin/settings.py parses and validates them.
for _name, _value in os.environ.items():
    if _name.startswith("SYNC_ADMIN_") and _name not in {"SYNC_ADMIN_CONFIG"}:
        globals()[_name] = _value
if os.environ.get("REDIS_URL"):
    REDIS_URL = os.environ["REDIS_URL"]
