"""The langprop-drive commands that run the LangProp loop: DAgger collection, training between runs, replays."""
