"""The catalog: papers, their authors and links, and the store that keeps them."""
