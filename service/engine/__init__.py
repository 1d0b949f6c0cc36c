"""The engine adapter: the only package that imports SpiffWorkflow."""
from .definitions import (  # noqa: F401
    CompiledProcess, DiagramError, UserTaskInfo, check_dmn, compile_process, document_kind,
    BPMN_NS, called_process_ids, decision_caller, parse_xml, process_ids, referenced_decisions,
)
from .diagram_diff import diff_documents  # noqa: F401
from .clock import engine_clock  # noqa: F401
from .safe_eval import ValueTooLarge  # noqa: F401
from .serializer import RESERVED_DATA_KEY, reserved_key_path  # noqa: F401
from .runtime import EngineError, LiveWorkflow, ReadyTask, Runtime, TaskNotReady  # noqa: F401
