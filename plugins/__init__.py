"""Example plugins, shipped inside the package as weft.demo.plugins for `weft demo`."""
