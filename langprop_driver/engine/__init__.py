"""The generic LangProp engine: LLM-written candidates of one function, scored, ranked and rewritten.

It knows nothing of driving. A task gives a :class:`FunctionSpec`, a score function over
:class:`Sample` s and (optionally) prompt templates; :class:`Trainer` does the rest.
"""

from langprop_driver.sandbox.pool import Program, SandboxConfig, SandboxPool
from langprop_driver.sandbox.results import CallResult, ErrorInfo

from .candidate import Candidate
from .checkpoint import TrainState, load_state
from .checks import CheckFailure, check_candidate
from .evaluation import Evaluation, ScoringConfig, evaluate
from .extract import NoCodeError, extract_code
from .feedback import FeedbackConfig
from .ledger import TokenBudgetExceeded, TokenLedger, TokenUsage
from .llm_client import Completion, LLMClient, LLMError
from .llm_config import LLMConfig
from .policy import PolicyCallError, PolicyLoadError, SandboxedPolicy, load_best
from .prompts import PromptTemplates
from .spec import FunctionSpec
from .task import Judgement, Sample, ScoreFn, Task
from .tracker import Standing, TrackerConfig
from .trainer import FitResult, StopReason, Trainer, TrainerConfig

__all__ = [
    "CallResult",
    "Candidate",
    "CheckFailure",
    "Completion",
    "ErrorInfo",
    "Evaluation",
    "FeedbackConfig",
    "FitResult",
    "StopReason",
    "FunctionSpec",
    "Judgement",
    "LLMClient",
    "LLMConfig",
    "LLMError",
    "NoCodeError",
    "PolicyCallError",
    "PolicyLoadError",
    "Program",
    "PromptTemplates",
    "SandboxConfig",
    "SandboxPool",
    "SandboxedPolicy",
    "Sample",
    "ScoreFn",
    "ScoringConfig",
    "Standing",
    "Task",
    "TokenBudgetExceeded",
    "TokenLedger",
    "TokenUsage",
    "TrackerConfig",
    "TrainState",
    "Trainer",
    "TrainerConfig",
    "check_candidate",
    "evaluate",
    "extract_code",
    "load_best",
    "load_state",
]
