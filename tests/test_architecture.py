"""The architecture contract: which room may import, write and reach what.

keepwell is built of rooms, one package each under ``keepwell/`` (people, help, referrals,
timebank, ...). The rule, in full in the README's "Architecture" section:

* a room writes only its own tables and asks another room through that room's services; it
  may import another room's models only for the shared names on ``SHARED`` (reads of
  reference data, and the vocabularies that services take as arguments);
* views and API routers never import the audit log: reading a record is audited by the
  service that reads it;
* the pure cores import no Django, not even through another keepwell module;
* ``keepwell.core`` names no other room, and no room reaches another's models by reflection
  (``apps.get_model``, ``get_app_config(...).get_models()``): rooms announce what they add
  in their ``AppConfig``;
* no module grows past 800 lines.

Each rule is an AST check over every ``keepwell/**/*.py`` but migrations, parsed once. Each
has a self-test that plants a violation, so none can pass by finding nothing to look at.
Violations that other work is removing are on ``KNOWN``, which only shrinks: an entry that no
longer occurs fails ``test_known_violations_still_occur`` until it is taken off.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps

REPO = Path(__file__).resolve().parent.parent
KEEPWELL = REPO / "keepwell"
ROOMS = frozenset(p.name for p in KEEPWELL.iterdir() if p.is_dir() and (p / "__init__.py").exists())
MAX_LINES = 800
LONG_ALLOWED = {
    # One algorithm read top to bottom (cost matrix, flow, explanation); splitting it would
    # scatter the one thing a reviewer must follow. Pure, typed and property-tested.
    "keepwell/matching/engine.py",
}

# Another room's models: the only names a room may import, each with why. Reads only: the
# write rule below holds whatever is imported.
SHARED: dict[str, str] = {
    # accounts: who is signed in and what they may do.
    "accounts.Role": "the role vocabulary every room's permissions and pickers are keyed by",
    "accounts.STAFF_ROLES": "the staff roles, for pickers that offer staff only",
    "accounts.User": "reference: the signed-in user, and staff offered in pickers",
    "accounts.Membership": "reference: who belongs to which organisation in which role",
    # audit: the vocabulary a service passes to audit.services.record.
    "audit.Action": "audit vocabulary: what happened, passed to audit.services",
    "audit.Purpose": "audit vocabulary: why a record was read, passed to services",
    "audit.AuditEvent": "read: the trail shown beside a record (written by audit only)",
    # directory: organisations and their services are everyone's reference data.
    "directory.Organisation": "reference: the organisations that hold records and act",
    "directory.OrganisationKind": "the organisation vocabulary (GP, VCS group, ...)",
    "directory.NHS_KINDS": "the NHS organisation kinds, for NHS-only choices",
    "directory.Service": "reference: services people are referred or signposted to",
    "directory.ServiceCategory": "the service category vocabulary",
    "directory.Location": "reference: the buildings services run in and spaces are in",
    # help: volunteers and tasks, read by matching, messaging and the time bank.
    "help.Volunteer": "read: who may be matched, messaged or thanked",
    "help.VolunteerStatus": "the volunteer status vocabulary",
    "help.Transport": "the volunteer transport vocabulary, for matching distances",
    "help.NeedType": "reference: the kinds of need, for audiences and matching",
    "help.Task": "read: tasks matched, messaged about and paid in time credits",
    "help.TaskState": "the task state vocabulary",
    "help.RequestStatus": "the request status vocabulary",
    "help.CheckKind": "the volunteer check vocabulary (DBS, ...), for matching",
    "help.AuthorisationKind": "the authorisation vocabulary (medicines, ...), for matching",
    # messaging: what kind of message a room asks messaging to send.
    "messaging.Channel": "the channel vocabulary (SMS, email, letter)",
    "messaging.Purpose": "the message purpose vocabulary",
    "messaging.Message": "read: whether an event already sent its message",
    # outcomes, referrals, time bank: read by other rooms' timelines and audiences.
    "referrals.Referral": "read: referrals for audiences and outcomes",
    "referrals.Status": "the referral status vocabulary",
    "timebank.TimeBank": "reference: time banks as message audiences",
    "timebank.Account": "read: time bank members as message audiences",
    # people: the person is the centre of every record; languages are reference data.
    "people.Person": "read: the person a record is about (written by people.services)",
    "people.Language": "reference: the language vocabulary",
    "people.Consent": "read: the consents a person gave, checked before contact or sharing",
    "people.ContactChannel": "the contact channel vocabulary",
    "people.Strength": "read: a person's strengths (written by people.services)",
    "people.Household": "read: a person's household",
    # places: areas and postcodes are national reference data.
    "places.Area": "reference: the areas organisations and people are in",
    "places.PostcodeLocation": "reference: where a postcode is, for distances",
}

# Modules that must import no Django (besides those whose docstring says so).
PURE_CORES = (
    "keepwell/matching/engine.py",
    "keepwell/places/geo.py",
    "keepwell/timebank/minutes.py",
    "keepwell/referrals/workingdays.py",
)
PURE_DOCSTRING = re.compile(r"\bpure\b[^.]*?\bno django", re.IGNORECASE | re.DOTALL)
DJANGO_TOP = re.compile(r"^(django|django_\w+|ninja|rules|whitenoise)$")

MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "delete",
    "bulk_update",
    "save",
}
INSTANCE_WRITES = {"save", "delete"}
RELATED_WRITES = {"add", "set", "remove", "clear", "create", "get_or_create", "update_or_create"}

# Violations that the restructuring of issue 14 is removing: to be removed, never added to.
# Each is (rule, path, subject) as the failure message prints it.
KNOWN: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class Module:
    path: str  # "keepwell/help/views.py"
    name: str  # "keepwell.help.views"
    room: str | None  # "help"; None for keepwell/settings.py and the like
    tree: ast.Module
    lines: int

    @property
    def is_package(self) -> bool:
        return self.path.endswith("/__init__.py")


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    path: str
    subject: str  # stable across edits (no line number): the key on KNOWN
    line: int
    message: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.path, self.subject)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # absolute dotted module the statement names
    names: tuple[tuple[str, str], ...]  # (name, bound as); empty for "import a.b"
    typing_only: bool  # under "if TYPE_CHECKING:"


def parse(path: str, source: str) -> Module:
    parts = Path(path).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return Module(
        path=path,
        name=".".join(parts),
        room=parts[1] if len(parts) >= 2 and parts[1] in ROOMS else None,
        tree=ast.parse(source, filename=path),
        lines=len(source.splitlines()),
    )


@cache
def codebase() -> tuple[Module, ...]:
    """Every keepwell module but migrations, parsed once for all the rules."""
    modules = []
    for file in sorted(KEEPWELL.rglob("*.py")):
        rel = file.relative_to(REPO).as_posix()
        if "/migrations/" in rel or "/static/" in rel:
            continue
        modules.append(parse(rel, file.read_text(encoding="utf-8")))
    return tuple(modules)


def room_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    if len(parts) >= 2 and parts[0] == "keepwell" and parts[1] in ROOMS:
        return parts[1]
    return None


@cache
def imports(module: Module) -> tuple[Import, ...]:
    """Every import statement, nested ones too, with relative imports made absolute."""
    return tuple(_imports(module))


def _imports(module: Module) -> Iterator[Import]:

    def walk(node: ast.AST, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk_one(stmt, True)
                for stmt in child.orelse:
                    yield from walk_one(stmt, typing_only)
            else:
                yield from walk_one(child, typing_only)

    def walk_one(node: ast.AST, typing_only: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, alias.name, (), typing_only)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.name.split(".")
                if not module.is_package:
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            names = tuple((a.name, a.asname or a.name) for a in node.names)
            yield Import(node.lineno, base, names, typing_only)
        else:
            yield from walk(node, typing_only)

    yield from walk(module.tree, False)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def foreign_models(module: Module) -> dict[str, str]:
    """Local name -> "room.Name" for every name this module imports from another room's models."""
    bound = {}
    for imp in imports(module):
        room = room_of(imp.module)
        if room is None or room == module.room or not _is_models(imp.module):
            continue
        for name, local in imp.names:
            bound[local] = f"{room}.{name}"
    return bound


def _is_models(dotted: str) -> bool:
    parts = dotted.split(".")
    return len(parts) >= 3 and parts[2] == "models"


# --- rule a: another room's models are read through the shared names, and never written --


def check_shared_imports(modules: Iterable[Module]) -> list[Violation]:
    found = []
    for module in modules:
        if module.room is None:
            continue
        for imp in imports(module):
            room = room_of(imp.module)
            if room is None or room == module.room:
                continue
            if (not imp.names and _is_models(imp.module)) or _names_models_module(imp):
                found.append(
                    Violation(
                        "shared-models",
                        module.path,
                        imp.module,
                        imp.line,
                        f"imports {room}'s models module whole: import the names on SHARED",
                    )
                )
                continue
            if not _is_models(imp.module):
                continue
            for name, _ in imp.names:
                if f"{room}.{name}" not in SHARED:
                    found.append(
                        Violation(
                            "shared-models",
                            module.path,
                            f"{room}.{name}",
                            imp.line,
                            f"{module.room} imports {room}.models.{name}, which is not on "
                            "SHARED: ask the room's services or queries, or add it to SHARED "
                            "with the reason it is shared reference data",
                        )
                    )
    return found


def _names_models_module(imp: Import) -> bool:
    return any(name == "models" and len(imp.module.split(".")) == 2 for name, _ in imp.names)


@cache
def related_managers() -> dict[str, dict[str, str]]:
    """Model name, lower case -> {its related manager: the room whose rows that manager writes}.

    ``x.<m2m>.add(...)`` writes the table of the model that declares the field; a reverse
    foreign key's ``x.<children>.add(...)`` writes the rows of the model that holds the key.
    Names shared by models of two rooms are left out: the receiver's type is unknowable.
    """
    managers: dict[str, dict[str, str]] = {}
    rooms_of_name: dict[str, set[str]] = {}
    for model in apps.get_models():
        room = room_of(model.__module__)
        if room is None:
            continue
        name = model.__name__.lower()
        rooms_of_name.setdefault(name, set()).add(room)
        own = managers.setdefault(name, {})
        for field in model._meta.get_fields():
            if field.many_to_many and not field.auto_created:
                own[field.name] = room
            elif field.auto_created and (field.one_to_many or field.many_to_many):
                writer = room_of(field.field.model.__module__)
                accessor = field.get_accessor_name()
                if accessor and writer:
                    own[accessor] = writer
    return {name: m for name, m in managers.items() if len(rooms_of_name[name]) == 1}


@cache
def related_writers() -> dict[str, frozenset[str]]:
    """Related manager name -> every room it writes, whatever model it hangs from."""
    owners: dict[str, set[str]] = {}
    for managers in related_managers().values():
        for accessor, room in managers.items():
            owners.setdefault(accessor, set()).add(room)
    return {name: frozenset(rooms) for name, rooms in owners.items()}


def _related_writer(receiver: ast.expr, accessor: str, instances: dict[str, str]) -> frozenset[str]:
    """The rooms ``receiver.<accessor>.add(...)`` may write, by the receiver's type if known.

    Known means bound from a foreign model in this function, or named as the model is
    (``person`` for a Person, ``referral.person`` too); otherwise every room with a manager
    of that name.
    """
    name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
    model = instances.get(name, "").split(".")[-1] or name.strip("_").replace("_", "")
    managers = related_managers().get(model.lower(), {})
    if accessor in managers:
        return frozenset({managers[accessor]})
    return related_writers().get(accessor, frozenset())


@cache
def model_names() -> dict[str, str]:
    """Model name, lower case -> "room.Model", for names only one room uses."""
    rooms: dict[str, set[str]] = {}
    for model in apps.get_models():
        room = room_of(model.__module__)
        if room is not None:
            rooms.setdefault(model.__name__.lower(), set()).add(f"{room}.{model.__name__}")
    return {name: next(iter(found)) for name, found in rooms.items() if len(found) == 1}


def _instance_model(receiver: ast.expr, instances: dict[str, str], room: str | None) -> str | None:
    """The foreign model ``receiver`` is an instance of: bound from one, or named as one.

    ``person.save()`` and ``referral.person.save()`` in help both write people's Person.
    """
    if isinstance(receiver, ast.Name) and receiver.id in instances:
        return instances[receiver.id]
    name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
    model = model_names().get(name.strip("_").replace("_", "").lower())
    return model if model and room_of(f"keepwell.{model}") != room else None


def check_writes(modules: Iterable[Module]) -> list[Violation]:
    found = []
    for module in modules:
        if module.room is None:
            continue
        foreign = foreign_models(module)
        for scope in _scopes(module.tree):
            instances = _foreign_instances(scope, foreign)
            for node in _own_nodes(scope):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                    continue
                method = node.func.attr
                target = node.func.value
                model = _chain_model(target, foreign) if method in QUERYSET_WRITES else None
                if model is None and method in INSTANCE_WRITES:
                    model = _instance_model(target, instances, module.room)
                if model is not None:
                    found.append(
                        Violation(
                            "foreign-write",
                            module.path,
                            f"{model}.{method}",
                            node.lineno,
                            f"{module.room} writes {model} ({method}): only "
                            f"{model.split('.')[0]} writes its tables; call its services",
                        )
                    )
                    continue
                if method in RELATED_WRITES and isinstance(target, ast.Attribute):
                    rooms = _related_writer(target.value, target.attr, instances)
                    if rooms and module.room not in rooms:
                        owner = "/".join(sorted(rooms))
                        found.append(
                            Violation(
                                "foreign-write",
                                module.path,
                                f"{owner}:.{target.attr}.{method}",
                                node.lineno,
                                f"{module.room} writes {owner}'s .{target.attr} "
                                f"({method}): call {owner}'s services",
                            )
                        )
    return found


def _scopes(tree: ast.Module) -> Iterator[ast.AST]:
    yield tree
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield node


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of one scope, not those of the functions nested in it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _chain_model(node: ast.expr, foreign: dict[str, str]) -> str | None:
    """The foreign model a ``X.objects.filter(...)...`` chain or an ``X(...)`` starts from."""
    while True:
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in foreign:
                return foreign[node.func.id]
            node = node.func
        elif isinstance(node, ast.Attribute):
            if (
                node.attr in MANAGERS
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign
            ):
                return foreign[node.value.id]
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return None


def _foreign_instances(scope: ast.AST, foreign: dict[str, str]) -> dict[str, str]:
    """Names bound in this scope to a foreign model's instance (built, fetched or looped)."""
    bound = {}
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            model = _chain_model(node.value, foreign)
            for target in targets:
                if model and isinstance(target, ast.Name):
                    bound[target.id] = model
                elif model and isinstance(target, ast.Tuple) and target.elts:
                    first = target.elts[0]  # obj, created = X.objects.get_or_create(...)
                    if isinstance(first, ast.Name):
                        bound[first.id] = model
        elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
            model = _chain_model(node.iter, foreign)
            if model:
                bound[node.target.id] = model
    return bound


# --- rule b: views and API routers do not touch the audit log ---------------------------------


def is_view(module: Module) -> bool:
    parts = module.path.split("/")
    return (
        module.room is not None
        and len(parts) >= 3
        and parts[2]
        in {
            "views.py",
            "views",
            "api.py",
            "api",
        }
    )


def check_views_skip_audit(modules: Iterable[Module]) -> list[Violation]:
    found = []
    for module in modules:
        if not is_view(module) or module.room == "audit":
            continue
        for imp in imports(module):
            names = [imp.module] + [f"{imp.module}.{name}" for name, _ in imp.names]
            if any(n == "keepwell.audit" or n.startswith("keepwell.audit.") for n in names):
                found.append(
                    Violation(
                        "views-skip-audit",
                        module.path,
                        imp.module,
                        imp.line,
                        f"a view imports {imp.module}: the service that reads or writes "
                        "the record audits it, and takes the purpose as a plain argument",
                    )
                )
    return found


# --- rule c: the pure cores import no Django, not even through keepwell modules -----------


def pure_cores(modules: Iterable[Module]) -> list[str]:
    cores = set(PURE_CORES)
    for module in modules:
        doc = ast.get_docstring(module.tree) or ""
        if PURE_DOCSTRING.search(doc):
            cores.add(module.path)
    return sorted(cores)


def check_pure_cores(modules: Iterable[Module], cores: Iterable[str]) -> list[Violation]:
    """Follow every keepwell import a pure core runs (its packages too) until one names Django."""
    by_name = {m.name: m for m in modules}
    by_path = {m.path: m for m in modules}
    found = []
    for core in cores:
        start = by_path.get(core)
        if start is None:
            found.append(Violation("pure-core", core, "missing", 0, "pure core not found"))
            continue
        packages = start.name.split(".")[:-1]
        queue = [(start, [start.name], 0)]
        queue += [
            (by_name[name], [start.name, name], 0)
            for name in (".".join(packages[:i]) for i in range(1, len(packages) + 1))
            if name in by_name
        ]
        seen = {module.name for module, _, _ in queue}
        while queue:
            module, chain, first_line = queue.pop(0)
            for imp in imports(module):
                if imp.typing_only:
                    continue
                line = first_line or imp.line
                if DJANGO_TOP.match(imp.module.split(".")[0]):
                    through = " -> ".join(chain)
                    found.append(
                        Violation(
                            "pure-core",
                            core,
                            f"{through}: {imp.module}",
                            line,
                            f"pure core imports {imp.module} through {through} "
                            f"({module.path}:{imp.line})",
                        )
                    )
                    continue
                for target in _keepwell_targets(imp, by_name):
                    if target.name not in seen:
                        seen.add(target.name)
                        queue.append((target, [*chain, target.name], line))
    return found


def _keepwell_targets(imp: Import, by_name: dict[str, Module]) -> Iterator[Module]:
    """The keepwell modules an import runs: the module, its packages, imported submodules."""
    if imp.module.split(".")[0] != "keepwell":
        return
    dotted = imp.module.split(".")
    candidates = [".".join(dotted[:i]) for i in range(1, len(dotted) + 1)]
    candidates += [f"{imp.module}.{name}" for name, _ in imp.names]
    for name in candidates:
        if name in by_name:
            yield by_name[name]


# --- rule d: core names no room, and no room reaches models by reflection -------------------


def check_core_and_reflection(modules: Iterable[Module]) -> list[Violation]:
    found = []
    for module in modules:
        if module.room == "core":
            for imp in imports(module):
                names = [imp.module] + [f"{imp.module}.{name}" for name, _ in imp.names]
                rooms = {room_of(n) for n in names} - {None, "core"}
                for room in sorted(rooms):
                    found.append(
                        Violation(
                            "core-names-no-room",
                            module.path,
                            imp.module,
                            imp.line,
                            f"keepwell.core imports {room} ({imp.module}): rooms register "
                            "what they add in their AppConfig and core reads the registry",
                        )
                    )
        if module.room is None:
            continue
        for node in ast.walk(module.tree):
            reached = _reflected_label(node)
            if reached is not None and reached != module.room:
                found.append(
                    Violation(
                        "no-reflection",
                        module.path,
                        f"{_callee(node)}({reached or '?'})",
                        getattr(node, "lineno", 0),
                        f"{module.room} reaches {reached or 'unnamed'} models through "
                        f"{_callee(node)}: import the shared name, or ask the room's queries",
                    )
                )
    return found


def _callee(node: ast.AST) -> str:
    assert isinstance(node, ast.Call)
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "?")


def _reflected_label(node: ast.AST) -> str | None:
    """The app label a get_model(s) call reaches ("" when it cannot be read), else None."""
    if not isinstance(node, ast.Call) or _callee(node) not in {"get_model", "get_models"}:
        return None
    if _callee(node) == "get_model":
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value.split(".")[0]
        return ""
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    if (
        isinstance(receiver, ast.Call)
        and _callee(receiver) == "get_app_config"
        and receiver.args
        and isinstance(receiver.args[0], ast.Constant)
    ):
        return str(receiver.args[0].value)
    return ""


# --- rule e: small modules ---------------------------------------------------------------------


def check_size(modules: Iterable[Module]) -> list[Violation]:
    return [
        Violation(
            "module-size",
            m.path,
            "lines",
            m.lines,
            f"{m.lines} lines (over {MAX_LINES}): make it a package along its sections "
            "and re-export, so callers do not change",
        )
        for m in modules
        if m.lines > MAX_LINES and m.path not in LONG_ALLOWED
    ]


# --- the tests ------------------------------------------------------------------------------------

RULES = {
    "shared-models": check_shared_imports,
    "foreign-write": check_writes,
    "views-skip-audit": check_views_skip_audit,
    "pure-core": lambda modules: check_pure_cores(modules, pure_cores(modules)),
    "core-names-no-room": check_core_and_reflection,
    "no-reflection": check_core_and_reflection,
    "module-size": check_size,
}


@cache
def violations(rule: str, modules: tuple[Module, ...]) -> tuple[Violation, ...]:
    return tuple(sorted(v for v in RULES[rule](modules) if v.rule == rule))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_codebase_keeps_the_rule(rule):
    new = [v for v in violations(rule, codebase()) if v.key not in KNOWN]
    assert not new, f"{len(new)} breach(es) of {rule}:\n" + "\n".join(map(str, new))


def test_known_violations_still_occur():
    found = {v.key for rule in RULES for v in violations(rule, codebase())}
    gone = sorted(KNOWN - found)
    assert not gone, "fixed, so take these off KNOWN in tests/test_architecture.py:\n" + (
        "\n".join(map(str, gone))
    )


def test_every_shared_name_is_still_imported():
    used = set()
    for module in codebase():
        for imp in imports(module):
            room = room_of(imp.module)
            if room and room != module.room and _is_models(imp.module):
                used.update(f"{room}.{name}" for name, _ in imp.names)
    unused = sorted(set(SHARED) - used)
    assert not unused, f"no room imports these any more; take them off SHARED: {unused}"


def test_the_named_pure_cores_exist_and_docstrings_add_more():
    cores = pure_cores(codebase())
    assert set(PURE_CORES) <= set(cores)
    assert len(cores) > len(PURE_CORES)


# Pure cores mypy does not check yet, each with why: to be removed.
MYPY_PENDING: dict[str, str] = {}


def test_every_pure_core_is_type_checked():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    checked = set(config["tool"]["mypy"]["files"])
    unchecked = sorted(set(pure_cores(codebase())) - checked - set(MYPY_PENDING))
    assert not unchecked, f"add these to [tool.mypy] files in pyproject.toml: {unchecked}"
    assert not checked & set(MYPY_PENDING), "checked now: take it off MYPY_PENDING"


def test_the_checker_sees_every_room():
    rooms = {m.room for m in codebase()}
    assert {"people", "help", "referrals", "timebank", "core", "audit"} <= rooms


# --- each rule finds a planted violation ----------------------------------------------------------


def planted(path: str, source: str) -> tuple[Module, ...]:
    return (parse(path, source),)


def test_it_catches_a_room_importing_a_model_that_is_not_shared():
    found = check_shared_imports(
        planted("keepwell/help/services.py", "from keepwell.referrals.models import Activity\n")
    )
    assert [v.subject for v in found] == ["referrals.Activity"]
    assert str(found[0]).startswith("keepwell/help/services.py:1: [shared-models]")


def test_it_catches_a_room_importing_another_rooms_models_module_whole():
    found = check_shared_imports(
        planted("keepwell/help/services.py", "from keepwell.people import models\n")
    )
    assert [v.subject for v in found] == ["keepwell.people"]


@pytest.mark.parametrize(
    "body",
    [
        "Person.objects.create(given_name='Ann')",
        "Person.objects.filter(pk=1).update(given_name='Ann')",
        "Person.objects.select_for_update().filter(pk=1).delete()",
        "P.objects.bulk_create([P(given_name='Ann')])",
        "person = Person(given_name='Ann')\n    person.save()",
        "person = Person.objects.get(pk=1)\n    person.delete()",
        "for p in Person.objects.all():\n        p.save(update_fields=['x'])",
        "person.organisations.add(organisation)",
        "request.person.save(update_fields=['given_name'])",
    ],
)
def test_it_catches_a_room_writing_another_rooms_model(body):
    source = (
        "from keepwell.people.models import Person\n"
        "from keepwell.people.models import Person as P\n"
        f"def add(person, organisation):\n    {body}\n"
    )
    found = check_writes(planted("keepwell/help/services.py", source))
    assert len(found) == 1, found
    assert found[0].rule == "foreign-write" and found[0].line >= 4


def test_it_lets_a_room_write_its_own_models_and_read_anothers():
    source = (
        "from keepwell.people.models import Person\n"
        "def add(person):\n"
        "    person.organisations.add(1)\n"
        "    Person.objects.filter(pk=1).exists()\n"
        "    return Person.objects.get(pk=1)\n"
    )
    assert check_writes(planted("keepwell/people/services.py", source)) == []
    reads = "from keepwell.people.models import Person\nx = Person.objects.filter(pk=1).first()\n"
    assert check_writes(planted("keepwell/help/services.py", reads)) == []


@pytest.mark.parametrize(
    "path, source",
    [
        ("keepwell/help/views.py", "from keepwell.audit.models import Purpose\n"),
        ("keepwell/messaging/views/people.py", "from keepwell.audit import services\n"),
        ("keepwell/people/api.py", "def f():\n    import keepwell.audit.services\n"),
        ("keepwell/help/views/tasks.py", "from ...audit.models import Purpose\n"),
    ],
)
def test_it_catches_a_view_importing_audit(path, source):
    found = check_views_skip_audit(planted(path, source))
    assert len(found) == 1 and found[0].rule == "views-skip-audit", found


def test_a_service_may_import_audit():
    source = "from keepwell.audit import services\n"
    assert check_views_skip_audit(planted("keepwell/help/services.py", source)) == []


def test_it_catches_a_pure_core_importing_django_directly_or_through_keepwell():
    modules = (
        parse("keepwell/places/geo.py", "import numpy\nfrom keepwell.places import units\n"),
        parse("keepwell/places/__init__.py", ""),
        parse("keepwell/places/units.py", "from keepwell.core.http import x\n"),
        parse("keepwell/core/__init__.py", ""),
        parse("keepwell/core/http.py", "from django.http import HttpResponse\n"),
        parse("keepwell/matching/engine.py", "def f():\n    import django.db\n"),
        parse(
            "keepwell/timebank/minutes.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import django\n",
        ),
        parse("keepwell/referrals/workingdays.py", "import holidays\n"),
        parse("keepwell/referrals/__init__.py", "from django.apps import AppConfig\n"),
    )
    cores = [
        "keepwell/places/geo.py",
        "keepwell/matching/engine.py",
        "keepwell/timebank/minutes.py",
        "keepwell/referrals/workingdays.py",
    ]
    found = check_pure_cores(modules, cores)
    assert sorted(v.path for v in found) == [
        "keepwell/matching/engine.py",
        "keepwell/places/geo.py",
        "keepwell/referrals/workingdays.py",
    ]
    through = next(v for v in found if v.path == "keepwell/places/geo.py")
    assert through.line == 2
    assert "keepwell.places.units -> keepwell.core.http" in through.message


def test_a_docstring_that_says_pure_makes_a_module_a_pure_core():
    module = parse("keepwell/help/sums.py", '"""Sums.\n\nPure: imports no Django."""\n')
    assert "keepwell/help/sums.py" in pure_cores((module,))


@pytest.mark.parametrize(
    "path, source, rule",
    [
        (
            "keepwell/core/navigation.py",
            "from keepwell.help.models import Task\n",
            "core-names-no-room",
        ),
        ("keepwell/core/views.py", "from keepwell import people\n", "core-names-no-room"),
        ("keepwell/referrals/views.py", "apps.get_model('help', 'Concern')\n", "no-reflection"),
        (
            "keepwell/referrals/timeline.py",
            "apps.get_app_config('help').get_models()\n",
            "no-reflection",
        ),
        ("keepwell/referrals/timeline.py", "apps.get_model(label)\n", "no-reflection"),
    ],
)
def test_it_catches_core_naming_a_room_and_reflection(path, source, rule):
    found = check_core_and_reflection(planted(path, source))
    assert [v.rule for v in found] == [rule], found


def test_core_may_import_core_and_a_room_may_reflect_on_itself():
    assert (
        check_core_and_reflection(
            planted("keepwell/core/views.py", "from keepwell.core import http\n")
        )
        == []
    )
    own = "apps.get_model('help', 'Task')\n"
    assert check_core_and_reflection(planted("keepwell/help/merging.py", own)) == []


def test_it_catches_a_long_module_but_not_the_matching_engine():
    long = "x = 1\n" * (MAX_LINES + 1)
    assert [v.rule for v in check_size(planted("keepwell/help/services.py", long))] == [
        "module-size"
    ]
    assert check_size(planted("keepwell/matching/engine.py", long)) == []
    assert check_size(planted("keepwell/help/services.py", "x = 1\n" * MAX_LINES)) == []
