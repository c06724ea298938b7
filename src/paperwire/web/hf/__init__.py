"""The Hugging Face-compatible wire: huggingface.co's papers API shapes, answered from the
catalog."""
