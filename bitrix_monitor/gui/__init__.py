"""The desktop front end. The only package that imports Qt (PySide6, qasync)."""
