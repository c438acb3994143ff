package org.mamba2j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for exactly what torch.save writes for a state dict of tensors. It is not a
 * Python interpreter: the only callables it knows are a fixed allowlist (an OrderedDict, the
 * tensor/parameter rebuild functions and the storage classes), each interpreted as data. Any other
 * GLOBAL, and any opcode beyond the ones listed below, is refused, so loading a checkpoint can
 * never run code.
 */
final class TorchPickle {

    /** A Python global the pickle named: only ever compared against the allowlist. */
    record Global(String module, String name) {
        @Override
        public String toString() { return module + "." + name; }
    }

    /** persistent_load's result: a storage entry {@code data/<key>} of the archive. */
    record StorageRef(SafeTensors.DType dtype, String key) {
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, ...). */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private static final Map<String, SafeTensors.DType> STORAGES = Map.of(
            "FloatStorage", SafeTensors.DType.F32, "HalfStorage", SafeTensors.DType.F16,
            "BFloat16Storage", SafeTensors.DType.BF16, "DoubleStorage", SafeTensors.DType.F64,
            "LongStorage", SafeTensors.DType.I64, "IntStorage", SafeTensors.DType.I32,
            "ByteStorage", SafeTensors.DType.U8, "CharStorage", SafeTensors.DType.I8, "BoolStorage", SafeTensors.DType.BOOL);
    private static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter");
    private static final int MAX_STACK = 1 << 20;

    private final Path path;
    private final ByteBuffer in;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private TorchPickle(Path path, byte[] data) {
        this.path = path;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The top-level dict, name → {@link TensorRef} (other values kept as read). */
    static Map<String, Object> readStateDict(Path path, byte[] pickle) throws MalformedFileException {
        Object root = new TorchPickle(path, pickle).run();
        if (!(root instanceof Map<?, ?> m)) throw new MalformedFileException(path, "pickle does not hold a dict of tensors");
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) throw new MalformedFileException(path, "pickle dict has a non-string key " + e.getKey());
            out.put(k, e.getValue());
        }
        return out;
    }

    private Object run() throws MalformedFileException {
        try {
            while (true) {
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> { int proto = in.get() & 0xff; if (proto > 5) throw bad("pickle protocol " + proto + " is not supported"); }
                    case 0x95 -> in.getLong();                                     // FRAME: a size hint
                    case '.' -> { Object r = pop(); return r; }                    // STOP
                    case '(' -> marks.add(stack.size());                           // MARK
                    case '}' -> push(new LinkedHashMap<>());                       // EMPTY_DICT
                    case ']' -> push(new ArrayList<>());                           // EMPTY_LIST
                    case ')' -> push(List.of());                                   // EMPTY_TUPLE
                    case 'N' -> push(NONE);
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'K' -> push((long) (in.get() & 0xff));                    // BININT1
                    case 'M' -> push((long) (in.getShort() & 0xffff));             // BININT2
                    case 'J' -> push((long) in.getInt());                          // BININT
                    case 0x8a -> push(long1(in.get() & 0xff));                     // LONG1
                    case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));  // BINFLOAT, big-endian
                    case 'X' -> push(text(len32()));                               // BINUNICODE
                    case 0x8c -> push(text(in.get() & 0xff));                      // SHORT_BINUNICODE
                    case 0x8d -> push(text(len64()));                              // BINUNICODE8
                    case 'U' -> push(text(in.get() & 0xff));                       // SHORT_BINSTRING
                    case 'T' -> push(text(len32()));                               // BINSTRING
                    case 'q' -> memo.put((long) (in.get() & 0xff), peek());       // BINPUT
                    case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());      // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), peek());            // MEMOIZE
                    case 'h' -> push(memoGet(in.get() & 0xff));                   // BINGET
                    case 'j' -> push(memoGet(in.getInt() & 0xffffffffL));         // LONG_BINGET
                    case 't' -> push(List.copyOf(popMark()));                     // TUPLE
                    case 0x85 -> push(List.of(pop()));                            // TUPLE1
                    case 0x86 -> { Object b = pop(), a = pop(); push(List.of(a, b)); }
                    case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(List.of(a, b, c)); }
                    case 'c' -> push(global(line(), line()));                      // GLOBAL
                    case 0x93 -> { Object name = pop(), module = pop(); push(global(str(module), str(name))); }
                    case 'Q' -> push(persistent(pop()));                           // BINPERSID
                    case 'R' -> { Object args = pop(), fn = pop(); push(reduce(fn, args)); }
                    case 'b' -> build(pop(), peek());                             // BUILD
                    case 's' -> { Object v = pop(), k = pop(); dict(peek()).put(key(k), v); }
                    case 'u' -> {                                                 // SETITEMS
                        List<Object> items = popMark();
                        if (items.size() % 2 != 0) throw bad("pickle SETITEMS with an odd number of items");
                        Map<Object, Object> d = dict(peek());
                        for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
                    }
                    case 'a' -> { Object v = pop(); list(peek()).add(v); }        // APPEND
                    case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); }
                    default -> throw bad(String.format("unsupported pickle opcode 0x%02x at byte %d", op, in.position() - 1));
                }
                if (stack.size() > MAX_STACK) throw bad("pickle stack exceeds " + MAX_STACK + " entries");
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw bad("pickle ends before its STOP opcode (truncated?)");
        }
    }

    private static final Object NONE = new Object() {
        @Override
        public String toString() { return "None"; }
    };

    private Global global(String module, String name) throws MalformedFileException {
        Global g = new Global(module, name);
        boolean storage = (module.equals("torch") && STORAGES.containsKey(name))
                || (module.equals("torch.storage") && name.equals("UntypedStorage"));
        if (!storage && !ALLOWED.contains(g.toString())) {
            throw bad("pickle refers to global '" + g + "', which a checkpoint of tensors does not need; refusing to load it");
        }
        return g;
    }

    /** ('storage', storage_type, key, location, numel) → the archive's data/key entry. */
    private Object persistent(Object pid) throws MalformedFileException {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) throw bad("pickle persistent id is not a torch storage reference");
        if (!(t.get(1) instanceof Global g) || !(t.get(2) instanceof String key)) throw bad("pickle storage reference is malformed");
        SafeTensors.DType dtype = STORAGES.get(g.name());
        if (dtype == null) throw bad("storage type " + g + " is not supported (no dtype)");
        return new StorageRef(dtype, key);
    }

    private Object reduce(Object fn, Object args) throws MalformedFileException {
        if (!(fn instanceof Global g)) throw bad("pickle REDUCE on a non-callable " + kind(fn));
        if (!(args instanceof List<?> a)) throw bad("pickle REDUCE arguments are not a tuple");
        switch (g.toString()) {
            case "collections.OrderedDict" -> {
                if (!a.isEmpty()) throw bad("OrderedDict with constructor arguments is not supported");
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long off)) {
                    throw bad("_rebuild_tensor_v2 arguments are malformed");
                }
                return new TensorRef(s, off, longs(a.get(2)), longs(a.get(3)));
            }
            case "torch._utils._rebuild_parameter" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef t)) throw bad("_rebuild_parameter arguments are malformed");
                return t;
            }
            default -> throw bad("pickle calls " + g + ", which is not a constructor of tensors");
        }
    }

    /** BUILD sets attributes; the only ones torch writes here are a state dict's _metadata, ignored. */
    private void build(Object state, Object target) throws MalformedFileException {
        if (!(target instanceof Map<?, ?>) && !(target instanceof TensorRef)) throw bad("pickle BUILD on an unsupported object");
    }

    private long[] longs(Object o) throws MalformedFileException {
        if (!(o instanceof List<?> l)) throw bad("tensor size/stride is not a tuple");
        long[] r = new long[l.size()];
        for (int i = 0; i < r.length; i++) {
            if (!(l.get(i) instanceof Long v)) throw bad("tensor size/stride holds a " + kind(l.get(i)) + ", not an integer");
            r[i] = v;
        }
        return r;
    }

    private long long1(int n) throws MalformedFileException {
        if (n > 8) throw bad("pickle integer of " + n + " bytes is too large");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (in.get() & 0xffL) << (8 * i);
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) v |= -1L << (8 * n);   // sign-extend
        return v;
    }

    private int len32() throws MalformedFileException {
        long n = in.getInt() & 0xffffffffL;
        if (n > in.remaining()) throw bad("pickle string of " + n + " bytes runs past the end (truncated?)");
        return (int) n;
    }

    private int len64() throws MalformedFileException {
        long n = in.getLong();
        if (n < 0 || n > in.remaining()) throw bad("pickle string of " + n + " bytes runs past the end (truncated?)");
        return (int) n;
    }

    private String text(int n) throws MalformedFileException {
        if (n > in.remaining()) throw bad("pickle string of " + n + " bytes runs past the end (truncated?)");
        ByteBuffer slice = in.slice(in.position(), n);
        in.position(in.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw bad("pickle string is not valid UTF-8");
        }
    }

    /** GLOBAL's operands: newline-terminated ASCII. */
    private String line() throws MalformedFileException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') return sb.toString();
            if (b < 0x20 || sb.length() > 256) throw bad("pickle GLOBAL name is malformed");
            sb.append((char) b);
        }
    }

    private String str(Object o) throws MalformedFileException {
        if (o instanceof String s) return s;
        throw bad("pickle STACK_GLOBAL operand is not a string");
    }

    /**
     * Only strings and integers may be dict keys: torch writes nothing else, and hashing a container
     * (which a pickle can make contain itself) could recurse without end.
     */
    private Object key(Object k) throws MalformedFileException {
        if (k instanceof String || k instanceof Long) return k;
        throw bad("pickle dict key is a " + kind(k) + "; only strings and integers are accepted");
    }

    private static String kind(Object o) {
        return o instanceof List<?> ? "tuple/list" : o instanceof Map<?, ?> ? "dict" : o.getClass().getSimpleName();
    }

    private Object memoGet(long key) throws MalformedFileException {
        Object v = memo.get(key);
        if (v == null) throw bad("pickle reads memo entry " + key + " before it is written");
        return v;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws MalformedFileException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) throw bad("pickle stack underflow at byte " + (in.position() - 1));
        return stack.removeLast();
    }

    private Object peek() throws MalformedFileException {
        int floor = marks.isEmpty() ? 0 : marks.getLast();
        if (stack.size() <= floor) throw bad("pickle stack underflow at byte " + (in.position() - 1));
        return stack.getLast();
    }

    private List<Object> popMark() throws MalformedFileException {
        if (marks.isEmpty()) throw bad("pickle pops to a MARK that was never set");
        int at = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(at, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws MalformedFileException {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw bad("pickle SETITEM on a non-dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws MalformedFileException {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw bad("pickle APPEND on a non-list");
    }

    private MalformedFileException bad(String what) {
        return new MalformedFileException(path, what);
    }
}
