# Installed into <environment>/etc/ipython/ by `make setup` and binder/postBuild; IPython reads it
# in every kernel of that environment. C++ libraries' start-up lines (TensorFlow's oneDNN and
# CUDA notes, nmslib's build hint) then go to the Jupyter server's log instead of into notebook
# cells, so a learner sees the lesson first, as the executed gallery shows it.
c.IPKernelApp.capture_fd_output = False  # noqa: F821 (IPython provides `c`)
