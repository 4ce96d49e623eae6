"""DL Lab's computing core: training, models and data, with no user-interface code.

Nothing in this package imports gradio; heavy libraries (torch, scikit-learn,
transformers) are imported inside the functions that need them so that the app
starts quickly.
"""
