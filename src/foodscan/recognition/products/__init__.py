"""Product photos: barcodes (``barcodes``), one photo's reading (``photo``), products from the
photos (``match``) and the result schema of a ``products`` job (``model``)."""

from __future__ import annotations
