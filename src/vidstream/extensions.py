"""Unbound extension singletons; each is bound to an app in ``create_app``."""

from flask_session import Session
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from vidstream.models.base import Base

db = SQLAlchemy(model_class=Base)
server_session = Session()
csrf = CSRFProtect()
