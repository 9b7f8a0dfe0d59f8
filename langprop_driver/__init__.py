"""The generic LangProp engine and the driving task built on it."""
