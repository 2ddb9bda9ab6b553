"""The Streamlit dashboard. Pages are thin; data access lives in ``dashboard.data``."""
