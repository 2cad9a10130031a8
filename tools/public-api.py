#!/usr/bin/env python3
"""Renders the public API of one crate from its rustdoc JSON as sorted text lines.

Usage: python3 tools/public-api.py target/doc/<crate>.json  > tools/public-api/<crate>.txt

One line per public item reachable from the crate root: modules, re-exports of other
crates' items, structs and their public fields, enums and their variants, traits and their
items, functions with their signatures, constants, statics, type aliases, and the trait
implementations of each type (the auto traits `Send`, `Sync` and `Unpin` included: a type
that stops being `Send` is a change of the API; blanket implementations are left out). Items marked `#[doc(hidden)]`
are not in rustdoc's output and so not here. Types are named by their last path segment,
so moving an item between private modules changes nothing; renaming or re-typing it does.
Called by tools/public-api.sh (see there).
"""
import json
import sys


def main():
    doc = json.load(open(sys.argv[1]))
    index = doc["index"]
    lines = set()

    def item(i):
        return index.get(str(i))

    # ----- types ---------------------------------------------------------------------
    def path_name(p):
        name = p.get("path") or p.get("name") or "?"
        return name.split("::")[-1]

    def args(a):
        if not a:
            return ""
        if "angle_bracketed" in a:
            ab = a["angle_bracketed"]
            parts = []
            for g in ab.get("args", []):
                if "type" in g:
                    parts.append(ty(g["type"]))
                elif "lifetime" in g:
                    parts.append(g["lifetime"])
                elif "const" in g:
                    parts.append(str(g["const"].get("expr", "_")))
                else:
                    parts.append("_")
            for c in ab.get("constraints", []):
                b = c.get("binding", {})
                if "equality" in b:
                    eq = b["equality"]
                    val = ty(eq["type"]) if "type" in eq else str(eq.get("constant", "_"))
                    parts.append(f"{c['name']}{args(c.get('args'))} = {val}")
                elif "constraint" in b:
                    parts.append(f"{c['name']}: {bounds(b['constraint'])}")
            return "<" + ", ".join(parts) + ">" if parts else ""
        if "parenthesized" in a:
            p = a["parenthesized"]
            out = "(" + ", ".join(ty(t) for t in p.get("inputs", [])) + ")"
            if p.get("output"):
                out += " -> " + ty(p["output"])
            return out
        return ""

    def resolved(p):
        return path_name(p) + args(p.get("args"))

    def hrtb(params):
        names = [g["name"] for g in params or []]
        return f"for<{', '.join(names)}> " if names else ""

    def bound(b):
        if "trait_bound" in b:
            tb = b["trait_bound"]
            mod = {"maybe": "?", "maybe_const": "~const "}.get(tb.get("modifier"), "")
            return mod + hrtb(tb.get("generic_params")) + resolved(tb["trait"])
        if "outlives" in b:
            return b["outlives"]
        if "use" in b:
            return "use<" + ", ".join(str(x) for x in b["use"]) + ">"
        return "?"

    def bounds(bs):
        return " + ".join(bound(b) for b in bs or [])

    def ty(t):
        if t is None:
            return "()"
        if "resolved_path" in t:
            return resolved(t["resolved_path"])
        if "generic" in t:
            return t["generic"]
        if "primitive" in t:
            return t["primitive"]
        if "tuple" in t:
            inner = ", ".join(ty(x) for x in t["tuple"])
            return f"({inner},)" if len(t["tuple"]) == 1 else f"({inner})"
        if "slice" in t:
            return f"[{ty(t['slice'])}]"
        if "array" in t:
            return f"[{ty(t['array']['type'])}; {t['array']['len']}]"
        if "borrowed_ref" in t:
            r = t["borrowed_ref"]
            lt = (r["lifetime"] + " ") if r.get("lifetime") else ""
            return f"&{lt}{'mut ' if r.get('is_mutable') else ''}{ty(r['type'])}"
        if "raw_pointer" in t:
            r = t["raw_pointer"]
            return f"*{'mut' if r.get('is_mutable') else 'const'} {ty(r['type'])}"
        if "impl_trait" in t:
            return "impl " + bounds(t["impl_trait"])
        if "dyn_trait" in t:
            d = t["dyn_trait"]
            parts = [hrtb(p.get("generic_params")) + resolved(p["trait"]) for p in d["traits"]]
            if d.get("lifetime"):
                parts.append(d["lifetime"])
            return "dyn " + " + ".join(parts)
        if "qualified_path" in t:
            q = t["qualified_path"]
            tr = q.get("trait")
            self_ty = ty(q["self_type"])
            base = f"<{self_ty} as {resolved(tr)}>" if tr else self_ty
            return f"{base}::{q['name']}{args(q.get('args'))}"
        if "function_pointer" in t:
            f = t["function_pointer"]
            return hrtb(f.get("generic_params")) + "fn" + sig(f["sig"])
        if "infer" in t:
            return "_"
        return "?"

    # ----- generics and signatures ---------------------------------------------------------
    def generics(g):
        parts = []
        for p in (g or {}).get("params", []):
            k = p["kind"]
            if "lifetime" in k:
                out = k["lifetime"].get("outlives") or []
                parts.append(p["name"] + (": " + " + ".join(out) if out else ""))
            elif "type" in k:
                if k["type"].get("is_synthetic"):
                    continue
                b = bounds(k["type"].get("bounds"))
                d = k["type"].get("default")
                parts.append(p["name"] + (f": {b}" if b else "") + (f" = {ty(d)}" if d else ""))
            elif "const" in k:
                parts.append(f"const {p['name']}: {ty(k['const']['type'])}")
        return "<" + ", ".join(parts) + ">" if parts else ""

    def where(g):
        preds = []
        for w in (g or {}).get("where_predicates", []):
            if "bound_predicate" in w:
                bp = w["bound_predicate"]
                preds.append(hrtb(bp.get("generic_params")) + ty(bp["type"]) + ": " + bounds(bp["bounds"]))
            elif "lifetime_predicate" in w:
                lp = w["lifetime_predicate"]
                preds.append(lp["lifetime"] + ": " + " + ".join(lp["outlives"]))
            elif "eq_predicate" in w:
                ep = w["eq_predicate"]
                rhs = ep["rhs"]
                preds.append(ty(ep["lhs"]) + " = " + (ty(rhs["type"]) if "type" in rhs else str(rhs)))
        return " where " + ", ".join(preds) if preds else ""

    def sig(s):
        ins = []
        for name, t in s.get("inputs", []):
            if name == "self":
                if t == {"generic": "Self"}:
                    ins.append("self")
                elif "borrowed_ref" in t and t["borrowed_ref"]["type"] == {"generic": "Self"}:
                    r = t["borrowed_ref"]
                    lt = (r["lifetime"] + " ") if r.get("lifetime") else ""
                    ins.append(f"&{lt}{'mut ' if r.get('is_mutable') else ''}self")
                else:
                    ins.append("self: " + ty(t))
            else:
                ins.append(f"{name}: {ty(t)}")
        out = f"({', '.join(ins)})"
        if s.get("output") is not None:
            out += " -> " + ty(s["output"])
        return out

    def function(path, f):
        h = f.get("header", {})
        pre = "".join(
            w for w, on in (("const ", h.get("is_const")), ("async ", h.get("is_async")),
                            ("unsafe ", h.get("is_unsafe"))) if on
        )
        g = f.get("generics")
        return f"pub {pre}fn {path}{generics(g)}{sig(f['sig'])}{where(g)}"

    # ----- items -------------------------------------------------------------------------
    def fields_of(path, kind):
        if "plain" in kind:
            for fid in kind["plain"]["fields"]:
                fi = item(fid)
                if fi:
                    lines.add(f"pub {path}::{fi['name']}: {ty(fi['inner']['struct_field'])}")
            if kind["plain"].get("has_stripped_fields"):
                return "{ .. }"
            return "{ }"
        if "tuple" in kind:
            shown = []
            for fid in kind["tuple"]:
                fi = item(fid) if fid is not None else None
                shown.append(ty(fi["inner"]["struct_field"]) if fi else "_")
            return "(" + ", ".join(shown) + ")"
        return ";"

    def impls(path, ids, self_name):
        for iid in ids:
            im = item(iid)
            if not im:
                continue
            i = im["inner"]["impl"]
            if i.get("blanket_impl") is not None:
                continue
            neg = "!" if i.get("is_negative") else ""
            if i.get("trait"):
                if i.get("is_synthetic") and path_name(i["trait"]) not in ("Send", "Sync", "Unpin"):
                    continue
                tr = resolved(i["trait"])
                lines.add(
                    f"impl{generics(i.get('generics'))} {neg}{tr} for {ty(i['for'])}{where(i.get('generics'))}"
                )
                continue
            # Inherent impl: its public items.
            for aid in i.get("items", []):
                a = item(aid)
                if not a or a.get("visibility") != "public":
                    continue
                assoc(f"{path}", a)

    def assoc(owner, a):
        inner = a["inner"]
        p = f"{owner}::{a['name']}"
        if "function" in inner:
            lines.add(function(p, inner["function"]))
        elif "assoc_const" in inner:
            lines.add(f"pub const {p}: {ty(inner['assoc_const']['type'])}")
        elif "assoc_type" in inner:
            at = inner["assoc_type"]
            b = bounds(at.get("bounds"))
            d = at.get("type")
            lines.add(f"type {p}{generics(at.get('generics'))}" + (f": {b}" if b else "") + (f" = {ty(d)}" if d else ""))

    def visit(path, it, seen):
        if it["id"] in seen:
            return
        seen = seen | {it["id"]}
        inner = it["inner"]
        kind = next(iter(inner))
        v = inner[kind]
        if kind == "module":
            if not v.get("is_crate"):
                lines.add(f"pub mod {path}")
            for cid in v["items"]:
                child = item(cid)
                if not child:
                    continue
                if "use" in child["inner"]:
                    u = child["inner"]["use"]
                    target = item(u["id"]) if u.get("id") is not None else None
                    if u.get("is_glob"):
                        if target and "module" in target["inner"]:
                            for gid in target["inner"]["module"]["items"]:
                                g = item(gid)
                                if g and g.get("name") and g.get("visibility") == "public":
                                    visit(f"{path}::{g['name']}", g, seen)
                        else:
                            lines.add(f"pub use {path}::{u['source']}::*")
                    elif target and target.get("crate_id") == 0:
                        visit(f"{path}::{u['name']}", target, seen)
                    else:
                        lines.add(f"pub use {path}::{u['name']} = {u['source']}")
                    continue
                if child.get("visibility") != "public" or not child.get("name"):
                    continue
                visit(f"{path}::{child['name']}", child, seen)
        elif kind == "struct":
            shape = fields_of(path, v["kind"])
            lines.add(f"pub struct {path}{generics(v.get('generics'))}{where(v.get('generics'))} {shape}")
            impls(path, v.get("impls", []), path)
        elif kind == "union":
            lines.add(f"pub union {path}{generics(v.get('generics'))}")
            impls(path, v.get("impls", []), path)
        elif kind == "enum":
            more = " (non-exhaustive)" if any("non_exhaustive" in json.dumps(a) for a in it.get("attrs", [])) else ""
            lines.add(f"pub enum {path}{generics(v.get('generics'))}{where(v.get('generics'))}{more}")
            for vid in v["variants"]:
                var = item(vid)
                if not var:
                    continue
                vk = var["inner"]["variant"]["kind"]
                vp = f"{path}::{var['name']}"
                if vk == "plain":
                    lines.add(f"pub variant {vp}")
                elif "tuple" in vk:
                    shown = []
                    for fid in vk["tuple"]:
                        fi = item(fid) if fid is not None else None
                        shown.append(ty(fi["inner"]["struct_field"]) if fi else "_")
                    lines.add(f"pub variant {vp}({', '.join(shown)})")
                elif "struct" in vk:
                    lines.add(f"pub variant {vp} {{ }}")
                    for fid in vk["struct"]["fields"]:
                        fi = item(fid)
                        if fi:
                            lines.add(f"pub {vp}::{fi['name']}: {ty(fi['inner']['struct_field'])}")
            impls(path, v.get("impls", []), path)
        elif kind == "trait":
            sup = bounds(v.get("bounds"))
            flags = ("unsafe " if v.get("is_unsafe") else "") + ("auto " if v.get("is_auto") else "")
            lines.add(f"pub {flags}trait {path}{generics(v.get('generics'))}" + (f": {sup}" if sup else "") + where(v.get("generics")))
            for aid in v.get("items", []):
                a = item(aid)
                if a:
                    assoc(path, a)
        elif kind == "function":
            lines.add(function(path, v))
        elif kind == "constant":
            lines.add(f"pub const {path}: {ty(v['type'])}")
        elif kind == "static":
            lines.add(f"pub static {'mut ' if v.get('is_mutable') else ''}{path}: {ty(v['type'])}")
        elif kind == "type_alias":
            lines.add(f"pub type {path}{generics(v.get('generics'))} = {ty(v['type'])}")
        elif kind in ("macro", "proc_macro"):
            lines.add(f"pub macro {path}")
        elif kind == "trait_alias":
            lines.add(f"pub trait {path} = {bounds(v.get('params'))}")
        else:
            lines.add(f"pub {kind} {path}")

    root = item(doc["root"])
    visit(root["name"], root, frozenset())
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
