"""Dynascope's face: PySide6 widgets and Qt models over the core in `app`."""
