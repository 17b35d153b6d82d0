// Placeholder; replaced by the tokenizer.
