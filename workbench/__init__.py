"""The claim-checking workbench: storage, import, indexing, retrieval and the command line."""
