"""normquiz: interview preparation on normalization in deep learning."""

__version__ = "0.1.0"
