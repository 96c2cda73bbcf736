"""Domain and storage of the intake window. Nothing below this package imports Qt."""
