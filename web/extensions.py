"""Extensions created unbound and bound in the factory (Flask's own pattern)."""

from __future__ import annotations

from flask_socketio import SocketIO
from flask_wtf.csrf import CSRFProtect

socketio = SocketIO()
csrf = CSRFProtect()
