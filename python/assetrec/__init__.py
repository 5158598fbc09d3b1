"""assetrec: next-best-asset recommendations from form-submission clickstreams."""

__version__ = "0.1.0"
