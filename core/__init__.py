"""DL Lab's computing core: training, models and data, with no user-interface code.

Nothing in this package imports gradio; heavy libraries (torch, scikit-learn,
transformers) are imported inside the functions that need them so that the app
starts quickly.
"""

import logging

# transformers imports torchao (when installed) as it loads a model class, and torchao's import
# makes torch's pytree registry log a deprecation notice for library code: nothing a DL Lab user
# or operator can act on, in every process that loads a model.
logging.getLogger("torch.utils._pytree").setLevel(logging.ERROR)
