"""backproplab's web app: thin FastAPI routers over the NumPy engine."""

__version__ = "0.1.0"
