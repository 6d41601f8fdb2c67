"""The optional local product catalogue: products by barcode, imported from Open Food Facts
exports or a CSV of one's own (``foodscan catalog import FILE``), looked up by the ``products``
pipeline. ``sources`` reads files, ``sql`` holds every statement, ``store`` is the API.
"""
