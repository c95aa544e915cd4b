"""The upload form; the file field is named ``filename`` as in the original design."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional


class UploadForm(FlaskForm):
    """One MP4 file and an optional title (defaults to the file's name)."""

    filename = FileField("MP4 file", validators=[FileRequired("Choose an MP4 file to upload.")])
    title = StringField("Title", validators=[Optional(), Length(max=200)])
