"""``python -m bench load``: viewers and uploaders together against one ``vidstream serve``."""
