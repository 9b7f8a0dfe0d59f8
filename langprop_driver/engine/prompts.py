"""Prompt templates: Jinja2 text for the system, setup and update messages, rendered to chat messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from pydantic import ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import one_line_errors

Message = dict[str, str]

DEFAULT_SYSTEM = """\
You are an expert Python programmer. You write one self-contained Python function at a time.
Only these modules may be imported: {{ allowed_modules | join(", ") }}. Do not read files, the
network or the environment. Answer with the complete code in a single ```python fenced block."""

DEFAULT_SETUP = """\
Write this Python function:

```python
{{ spec.signature }}
    \"\"\"
{{ spec.doc | indent(4, first=True) }}
    \"\"\"
```

Return the full implementation, including imports and helpers, in one ```python block."""

DEFAULT_UPDATE = """\
Here is an implementation of `{{ spec.name }}`, with line numbers:

{{ feedback.numbered_source }}

The function's specification:
{{ spec.doc }}

{% if feedback.check_failures -%}
It could not run; these checks failed before running it (score {{ "%.3f" | format(feedback.mean_score) }}):
{% for failure in feedback.check_failures -%}
- {{ failure }}
{% endfor %}
{%- else -%}
On {{ feedback.n_samples }} samples its mean score is {{ "%.3f" | format(feedback.mean_score) }} \
(priority {{ "%.3f" | format(feedback.priority) }}) and it passed {{ feedback.n_passed }} \
({{ "%.0f" | format(100 * feedback.pass_ratio) }}%).
{% if feedback.failure_groups %}
Failures grouped by kind:
{% for group in feedback.failure_groups -%}
- {{ group.label }}: {{ group.count }} sample(s){% if group.example %}, e.g. {{ group.example }}{% endif %}
{% endfor %}{% endif %}
{% if feedback.examples %}
The {{ feedback.examples | length }} worst example(s), each value cut to {{ feedback.value_chars }} characters:
{% for example in feedback.examples %}
### Example {{ loop.index }} (sample {{ example.index }}, score {{ "%.3f" | format(example.score) }})
input: {{ example.input }}
{% if example.error %}error: {{ example.error }}
{% else %}output: {{ example.output }}
{% endif %}expected: {{ example.expected }}
{% if example.note %}judgement: {{ example.note }}
{% endif %}{% if example.printed %}printed output:
{{ example.printed }}
{% endif %}{% endfor %}{% if feedback.omitted %}
({{ feedback.omitted }} more example(s) left out to keep this feedback under {{ feedback.budget_chars }} characters.)
{% endif %}{% endif %}{% endif %}
{% if closed_loop is defined and closed_loop %}
{{ closed_loop }}
{% endif %}
Rewrite `{{ spec.signature }}` to fix these problems and score higher. Keep its name and \
arguments. Return the full implementation in one ```python block."""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class PromptTemplates:
    """The three Jinja2 templates; the setup and update prompts are each [system, user] messages."""

    system: str = DEFAULT_SYSTEM
    setup: str = DEFAULT_SETUP
    update: str = DEFAULT_UPDATE

    @field_validator("system", "setup", "update")
    @classmethod
    def _valid_jinja2(cls, template: str, info: ValidationInfo) -> str:
        try:
            _ENVIRONMENT.parse(template)
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(f"{info.field_name} template is not valid Jinja2: {exc}") from None
        return template

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    @classmethod
    def from_dir(cls, folder: str | Path) -> PromptTemplates:
        """Read ``system.j2``, ``setup.j2`` and ``update.j2`` from ``folder`` (missing ones keep the default)."""
        folder = Path(folder)
        texts = {name: (folder / f"{name}.j2").read_text() for name in ("system", "setup", "update")
                 if (folder / f"{name}.j2").is_file()}  # fmt: skip
        return cls(**texts)

    def render(self, which: str, **context: Any) -> list[Message]:
        """Chat messages for the ``"setup"`` or ``"update"`` prompt with the given template context."""
        if which not in ("setup", "update"):
            raise ValueError(f"which must be 'setup' or 'update', got {which!r}")
        return [
            {"role": "system", "content": _ENVIRONMENT.from_string(self.system).render(**context).strip()},
            {
                "role": "user",
                "content": _ENVIRONMENT.from_string(getattr(self, which)).render(**context).strip(),
            },
        ]


_ENVIRONMENT = jinja2.Environment(
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False
)
