"""The model side: requests to the OpenAI-compatible endpoint and the chain of models behind them."""
