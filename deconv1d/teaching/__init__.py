"""Convolution arithmetic shown and explained: text views, pictures and animations."""
