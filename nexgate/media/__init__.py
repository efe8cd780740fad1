"""Image and video processing, BlurHash, storage paths."""
