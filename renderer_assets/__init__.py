"""weft-runtime: the JavaScript side of weft, shipped inside the Python package as weft.renderer_assets."""
