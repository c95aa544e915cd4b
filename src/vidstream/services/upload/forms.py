"""The upload form; the file field is named ``filename`` as in the original design."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional


class UploadForm(FlaskForm):
    """One video file and an optional title (defaults to the file's name)."""

    filename = FileField("Video file", validators=[FileRequired("Choose a video file to upload.")])
    title = StringField("Title", validators=[Optional(), Length(max=200)])
