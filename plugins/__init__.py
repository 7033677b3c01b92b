"""Example plugins, shipped inside the package as weft.examples, for `weft demo`."""
