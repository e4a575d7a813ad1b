"""hadath subpackage."""
