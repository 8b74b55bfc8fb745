"""Answer composers: the grounded extractive default and the optional LangChain chat model."""
