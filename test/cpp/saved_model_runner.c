/* Runs a SavedModel through TensorFlow's C API and prints the fetched tensors as JSON.
 *
 *   saved_model_runner <op_library.so> <saved_model_dir>
 *       --input <tensor>=<dtype>[<shape>]:<values> ...   (dtype float32, int64 or int32)
 *       --output <tensor> ...                              (float32, int32, int64 or string)
 *       [--serve <model>=<version>:<dir> ...]
 *
 * --serve serves the SavedModel in <dir> in this process as <model> version <version>
 * (TfsrpServeInProcess, found with dlsym in the op library), for graphs whose target is (or is
 * overridden to) "inprocess:"; it is unserved again (TfsrpUnserveInProcess) before exit.
 *
 * <tensor> is a graph tensor name such as serving_default_x:0 (":0" may be left out; see
 * test/fixtures/composed/<name>.signatures.json), <shape> comma-separated dims ([] for a
 * scalar), <values> comma-separated in row-major order:
 *
 *   saved_model_runner build/Release/libtfserving_remote_predict_op.so \
 *       test/fixtures/composed/half_plus_two_with_remote_predict \
 *       --input 'serving_default_x:0=float32[3]:1,2,5' --output StatefulPartitionedCall:0
 *
 * Steps: TF_LoadLibrary (registers TfServingRemotePredict), TF_LoadSessionFromSavedModel
 * (tag "serve"; restores variables), one TF_SessionRun. A model's target address is mapped
 * to a server by the caller, with TFSRP_TARGET_OVERRIDES=from=to[,from=to] in the environment.
 *
 * Prints exactly one line to stdout:
 *   {"outputs":[{"tensor":"...","dtype":"float32","shape":[3],"values":[3,4,7]}, ...]}
 * and exits 0, or {"error":{"code":N,"message":"..."}} (N a TF_Code) and exits 1. Floats are
 * printed with %.9g (they read back as the same float32); NaN and infinities as null.
 * TensorFlow's own logging goes to stderr (quiet it with TF_CPP_MIN_LOG_LEVEL=2; TensorFlow
 * reads that before main runs).
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensorflow/c/c_api.h"

#define MAX_DIMS 8

/* ---- a growable text buffer ---- */

typedef struct {
  char* data;
  size_t length;
  size_t capacity;
  int failed; /* out of memory */
} Text;

static void text_append(Text* t, const char* bytes, size_t n) {
  if (t->failed) return;
  if (t->length + n + 1 > t->capacity) {
    size_t capacity = t->capacity ? t->capacity : 256;
    while (t->length + n + 1 > capacity) capacity *= 2;
    char* grown = realloc(t->data, capacity);
    if (grown == NULL) {
      t->failed = 1;
      return;
    }
    t->data = grown;
    t->capacity = capacity;
  }
  memcpy(t->data + t->length, bytes, n);
  t->length += n;
  t->data[t->length] = '\0';
}

static void text_printf(Text* t, const char* format, ...) {
  char small[128];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) {
    t->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    text_append(t, small, (size_t)n);
    return;
  }
  char* big = malloc((size_t)n + 1);
  if (big == NULL) {
    t->failed = 1;
    return;
  }
  va_start(args, format);
  vsnprintf(big, (size_t)n + 1, format, args);
  va_end(args);
  text_append(t, big, (size_t)n);
  free(big);
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_sequence_length(const unsigned char* s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t length;
  unsigned int min;
  unsigned int cp;
  if ((s[0] & 0xE0) == 0xC0) {
    length = 2, min = 0x80, cp = s[0] & 0x1F;
  } else if ((s[0] & 0xF0) == 0xE0) {
    length = 3, min = 0x800, cp = s[0] & 0x0F;
  } else if ((s[0] & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, cp = s[0] & 0x07;
  } else {
    return 0;
  }
  if (length > n) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

/* A JSON string literal; bytes that are not well-formed UTF-8 become U+FFFD. */
static void text_json_string(Text* t, const char* bytes, size_t n) {
  const unsigned char* s = (const unsigned char*)bytes;
  text_append(t, "\"", 1);
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') {
      char escaped[2] = {'\\', (char)c};
      text_append(t, escaped, 2);
      ++i;
    } else if (c == '\n') {
      text_append(t, "\\n", 2), ++i;
    } else if (c == '\r') {
      text_append(t, "\\r", 2), ++i;
    } else if (c == '\t') {
      text_append(t, "\\t", 2), ++i;
    } else if (c < 0x20 || c == 0x7F) {
      text_printf(t, "\\u%04x", c), ++i;
    } else {
      size_t length = utf8_sequence_length(s + i, n - i);
      if (length == 0) {
        text_append(t, "\\ufffd", 6), ++i;
      } else {
        text_append(t, bytes + i, length), i += length;
      }
    }
  }
  text_append(t, "\"", 1);
}

/* ---- the error that ends the run ---- */

typedef struct {
  int code; /* TF_Code; TF_OK while nothing failed */
  Text message;
} Failure;

static void failf(Failure* f, int code, const char* format, ...) {
  if (f->code != TF_OK) return; /* keep the first */
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  f->code = code;
  text_append(&f->message, message, strlen(message));
}

/* Takes over a failed TF_Status, prefixing what was being done. */
static int check(Failure* f, TF_Status* status, const char* doing) {
  if (TF_GetCode(status) == TF_OK) return 1;
  if (f->code == TF_OK) {
    f->code = TF_GetCode(status);
    text_printf(&f->message, "%s: %s", doing, TF_Message(status));
  }
  return 0;
}

/* ---- dtypes ---- */

typedef struct {
  const char* name;
  TF_DataType type;
  int input; /* accepted for --input */
} DType;

static const DType kDTypes[] = {
    {"float32", TF_FLOAT, 1},
    {"int64", TF_INT64, 1},
    {"int32", TF_INT32, 1},
    {"string", TF_STRING, 0},
};

static const DType* dtype_by_name(const char* name, size_t n) {
  for (size_t i = 0; i < sizeof kDTypes / sizeof kDTypes[0]; ++i) {
    if (strlen(kDTypes[i].name) == n && strncmp(kDTypes[i].name, name, n) == 0) return &kDTypes[i];
  }
  return NULL;
}

static const DType* dtype_by_type(TF_DataType type) {
  for (size_t i = 0; i < sizeof kDTypes / sizeof kDTypes[0]; ++i) {
    if (kDTypes[i].type == type) return &kDTypes[i];
  }
  return NULL;
}

/* ---- command line ---- */

typedef struct {
  const char* spec; /* the argument as given */
  char* op_name;    /* owned */
  int index;
  TF_DataType type;
  int64_t dims[MAX_DIMS];
  int num_dims;
  const char* values; /* points into spec */
} InputSpec;

typedef struct {
  const char* name; /* the argument as given */
  char* op_name;    /* owned */
  int index;
} OutputSpec;

/* "name:3" -> ("name", 3); "name" -> ("name", 0). */
static int split_tensor_name(Failure* f, const char* tensor, size_t n, char** op_name, int* index) {
  size_t name_length = n;
  *index = 0;
  const char* colon = NULL;
  for (size_t i = 0; i < n; ++i) {
    if (tensor[i] == ':') colon = tensor + i;
  }
  if (colon != NULL) {
    const char* digits = colon + 1;
    size_t digit_count = n - (size_t)(digits - tensor);
    if (digit_count == 0 || digit_count > 6 || strspn(digits, "0123456789") < digit_count) {
      failf(f, TF_INVALID_ARGUMENT, "bad tensor name '%.*s': expected <operation>[:<index>]",
            (int)n, tensor);
      return 0;
    }
    *index = atoi(digits);
    name_length = (size_t)(colon - tensor);
  }
  if (name_length == 0) {
    failf(f, TF_INVALID_ARGUMENT, "bad tensor name '%.*s': empty operation name", (int)n, tensor);
    return 0;
  }
  *op_name = malloc(name_length + 1);
  if (*op_name == NULL) {
    failf(f, TF_RESOURCE_EXHAUSTED, "out of memory");
    return 0;
  }
  memcpy(*op_name, tensor, name_length);
  (*op_name)[name_length] = '\0';
  return 1;
}

/* <tensor>=<dtype>[<d0>,<d1>,...]:<v0>,<v1>,... */
static int parse_input(Failure* f, const char* spec, InputSpec* in) {
  memset(in, 0, sizeof *in);
  in->spec = spec;
  const char* eq = strchr(spec, '=');
  const char* open = eq ? strchr(eq, '[') : NULL;
  const char* close = open ? strchr(open, ']') : NULL;
  if (eq == NULL || open == NULL || close == NULL || close[1] != ':') {
    failf(f, TF_INVALID_ARGUMENT, "bad --input '%s': expected <tensor>=<dtype>[<shape>]:<values>",
          spec);
    return 0;
  }
  const DType* dtype = dtype_by_name(eq + 1, (size_t)(open - eq - 1));
  if (dtype == NULL || !dtype->input) {
    failf(f, TF_INVALID_ARGUMENT, "bad --input '%s': dtype '%.*s' is not float32, int64 or int32",
          spec, (int)(open - eq - 1), eq + 1);
    return 0;
  }
  in->type = dtype->type;
  const char* p = open + 1;
  while (p < close) {
    if (in->num_dims == MAX_DIMS) {
      failf(f, TF_INVALID_ARGUMENT, "bad --input '%s': more than %d dims", spec, MAX_DIMS);
      return 0;
    }
    char* end;
    errno = 0;
    long long dim = strtoll(p, &end, 10);
    if (end == p || errno != 0 || dim < 0 || (*end != ',' && end != close)) {
      failf(f, TF_INVALID_ARGUMENT, "bad --input '%s': bad shape", spec);
      return 0;
    }
    in->dims[in->num_dims++] = dim;
    p = *end == ',' ? end + 1 : end;
  }
  in->values = close + 2;
  return split_tensor_name(f, spec, (size_t)(eq - spec), &in->op_name, &in->index);
}

/* Reads the comma-separated values into a new tensor of the spec's dtype and shape. */
static TF_Tensor* make_input_tensor(Failure* f, const InputSpec* in) {
  int64_t count = 1;
  for (int i = 0; i < in->num_dims; ++i) count *= in->dims[i];
  size_t element_size = TF_DataTypeSize(in->type);
  TF_Tensor* tensor =
      TF_AllocateTensor(in->type, in->dims, in->num_dims, (size_t)count * element_size);
  if (tensor == NULL) {
    failf(f, TF_RESOURCE_EXHAUSTED, "cannot allocate the tensor for --input '%s'", in->spec);
    return NULL;
  }
  char* data = TF_TensorData(tensor);
  const char* p = in->values;
  int64_t got = 0;
  if (*p != '\0') {
    for (;;) {
      char* end;
      errno = 0;
      if (got < count) {
        if (in->type == TF_FLOAT) {
          float v = strtof(p, &end);
          memcpy(data + got * element_size, &v, sizeof v);
        } else if (in->type == TF_INT64) {
          int64_t v = strtoll(p, &end, 0);
          memcpy(data + got * element_size, &v, sizeof v);
        } else {
          long long v = strtoll(p, &end, 0);
          if (v < INT32_MIN || v > INT32_MAX) errno = ERANGE;
          int32_t narrow = (int32_t)v;
          memcpy(data + got * element_size, &narrow, sizeof narrow);
        }
        if (end == p || errno != 0 || (*end != ',' && *end != '\0')) {
          failf(f, TF_INVALID_ARGUMENT, "bad --input '%s': bad value #%" PRId64, in->spec, got + 1);
          TF_DeleteTensor(tensor);
          return NULL;
        }
      } else {
        end = strchr(p, ',');
        if (end == NULL) end = (char*)p + strlen(p);
      }
      ++got;
      if (*end == '\0') break;
      p = end + 1;
    }
  }
  if (got != count) {
    failf(f, TF_INVALID_ARGUMENT,
          "bad --input '%s': the shape holds %" PRId64 " values, got %" PRId64, in->spec, count,
          got);
    TF_DeleteTensor(tensor);
    return NULL;
  }
  return tensor;
}

/* Looks the tensor up in the graph; checks the index and, for a feed, the dtype. */
static int resolve(Failure* f, TF_Graph* graph, const char* op_name, int index, const char* what,
                   TF_Output* out) {
  TF_Operation* op = TF_GraphOperationByName(graph, op_name);
  if (op == NULL) {
    failf(f, TF_INVALID_ARGUMENT, "%s: no operation named '%s' in the graph", what, op_name);
    return 0;
  }
  if (index >= TF_OperationNumOutputs(op)) {
    failf(f, TF_INVALID_ARGUMENT, "%s: operation '%s' (%s) has %d outputs", what, op_name,
          TF_OperationOpType(op), TF_OperationNumOutputs(op));
    return 0;
  }
  out->oper = op;
  out->index = index;
  return 1;
}

static void append_output_json(Text* json, const char* name, const TF_Tensor* tensor) {
  const DType* dtype = dtype_by_type(TF_TensorType(tensor));
  text_append(json, "{\"tensor\":", 10);
  text_json_string(json, name, strlen(name));
  text_printf(json, ",\"dtype\":\"%s\",\"shape\":[", dtype->name);
  for (int i = 0; i < TF_NumDims(tensor); ++i) {
    text_printf(json, "%s%" PRId64, i ? "," : "", TF_Dim(tensor, i));
  }
  text_append(json, "],\"values\":[", 12);
  const int64_t count = TF_TensorElementCount(tensor);
  const char* data = TF_TensorData(tensor);
  for (int64_t i = 0; i < count; ++i) {
    if (i) text_append(json, ",", 1);
    switch (TF_TensorType(tensor)) {
      case TF_FLOAT: {
        float v;
        memcpy(&v, data + i * sizeof v, sizeof v);
        if (isfinite(v)) {
          text_printf(json, "%.9g", (double)v);
        } else {
          text_append(json, "null", 4);
        }
        break;
      }
      case TF_INT32: {
        int32_t v;
        memcpy(&v, data + i * sizeof v, sizeof v);
        text_printf(json, "%" PRId32, v);
        break;
      }
      case TF_INT64: {
        int64_t v;
        memcpy(&v, data + i * sizeof v, sizeof v);
        text_printf(json, "%" PRId64, v);
        break;
      }
      case TF_STRING: {
        const TF_TString* s = (const TF_TString*)data + i;
        text_json_string(json, TF_StringGetDataPointer(s), TF_StringGetSize(s));
        break;
      }
      default:
        break; /* excluded before */
    }
  }
  text_append(json, "]}", 2);
}

typedef int (*ServeInProcessFn)(const char*, int64_t, const char*, const char*, const char*, char*,
                                size_t);
typedef int (*UnserveInProcessFn)(const char*, int64_t, char*, size_t);

/* Serves each "<model>=<version>:<dir>" of `specs` through the op library's C entry point. */
static int serve_in_process(Failure* f, const char* op_library, char** specs, int count) {
  if (count == 0) return 1;
  void* handle = dlopen(op_library, RTLD_NOW | RTLD_NOLOAD); /* TF_LoadLibrary's copy */
  ServeInProcessFn serve = handle ? (ServeInProcessFn)dlsym(handle, "TfsrpServeInProcess") : NULL;
  if (handle) dlclose(handle);
  if (serve == NULL) {
    failf(f, TF_NOT_FOUND, "TfsrpServeInProcess is not in %s", op_library);
    return 0;
  }
  for (int i = 0; i < count; ++i) {
    char* eq = strchr(specs[i], '=');
    char* colon = eq ? strchr(eq, ':') : NULL;
    if (eq == NULL || colon == NULL || eq == specs[i]) {
      failf(f, TF_INVALID_ARGUMENT, "bad --serve '%s': expected <model>=<version>:<dir>", specs[i]);
      return 0;
    }
    *eq = '\0';
    char error[512] = "";
    const int code =
        serve(specs[i], strtoll(eq + 1, NULL, 10), colon + 1, NULL, NULL, error, sizeof error);
    *eq = '=';
    if (code != 0) {
      failf(f, (TF_Code)code, "--serve '%s': %s", specs[i], error);
      return 0;
    }
  }
  return 1;
}

static void unserve_in_process(const char* op_library, char** specs, int count) {
  void* handle = count ? dlopen(op_library, RTLD_NOW | RTLD_NOLOAD) : NULL;
  UnserveInProcessFn unserve =
      handle ? (UnserveInProcessFn)dlsym(handle, "TfsrpUnserveInProcess") : NULL;
  if (handle) dlclose(handle);
  for (int i = 0; unserve != NULL && i < count; ++i) {
    char* eq = strchr(specs[i], '=');
    if (eq == NULL) continue;
    *eq = '\0';
    unserve(specs[i], -1, NULL, 0);
    *eq = '=';
  }
}

static void usage(FILE* to, const char* argv0) {
  fprintf(to,
          "usage: %s <op_library.so> <saved_model_dir>\n"
          "    --input <tensor>=<dtype>[<shape>]:<values> ...  (dtype float32, int64, int32)\n"
          "    --output <tensor> ...                            (float32, int32, int64, string)\n"
          "    --serve <model>=<version>:<dir> ...               (served in process)\n"
          "e.g. --input 'serving_default_x:0=float32[3]:1,2,5' --output StatefulPartitionedCall:0\n"
          "Prints {\"outputs\":[...]} or {\"error\":{\"code\":N,\"message\":\"...\"}} (exit 1).\n"
          "Map a model's target address with TFSRP_TARGET_OVERRIDES=from=to[,from=to].\n",
          argv0);
}

int main(int argc, char** argv) {
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    usage(stdout, argv[0]);
    return 0;
  }
  Failure failure = {TF_OK, {NULL, 0, 0, 0}};
  Failure* f = &failure;
  const int max_specs = argc > 0 ? argc : 1;
  InputSpec* inputs = calloc((size_t)max_specs, sizeof *inputs);
  OutputSpec* outputs = calloc((size_t)max_specs, sizeof *outputs);
  TF_Output* feeds = calloc((size_t)max_specs, sizeof *feeds);
  TF_Tensor** feed_values = calloc((size_t)max_specs, sizeof *feed_values);
  TF_Output* fetches = calloc((size_t)max_specs, sizeof *fetches);
  char** serve_specs = calloc((size_t)max_specs, sizeof *serve_specs);
  int num_served = 0;
  TF_Tensor** fetch_values = calloc((size_t)max_specs, sizeof *fetch_values);
  int num_inputs = 0;
  int num_outputs = 0;
  TF_Status* status = TF_NewStatus();
  TF_Library* library = NULL;
  TF_SessionOptions* session_options = NULL;
  TF_Graph* graph = NULL;
  TF_Session* session = NULL;
  Text json = {NULL, 0, 0, 0};

  if (!inputs || !outputs || !feeds || !feed_values || !fetches || !fetch_values || !serve_specs ||
      !status) {
    failf(f, TF_RESOURCE_EXHAUSTED, "out of memory");
    goto done;
  }
  if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-') {
    usage(stderr, argv[0]);
    failf(f, TF_INVALID_ARGUMENT, "expected <op_library.so> <saved_model_dir> first");
    goto done;
  }
  for (int i = 3; i < argc; ++i) {
    const int is_input = strcmp(argv[i], "--input") == 0;
    const int is_serve = strcmp(argv[i], "--serve") == 0;
    if (!is_input && !is_serve && strcmp(argv[i], "--output") != 0) {
      failf(f, TF_INVALID_ARGUMENT, "unexpected argument '%s' (want --input, --output or --serve)",
            argv[i]);
      goto done;
    }
    if (i + 1 == argc) {
      failf(f, TF_INVALID_ARGUMENT, "%s needs a value", argv[i]);
      goto done;
    }
    const char* value = argv[++i];
    if (is_serve) {
      serve_specs[num_served++] = argv[i];
    } else if (is_input) {
      if (!parse_input(f, value, &inputs[num_inputs++])) goto done;
    } else {
      OutputSpec* out = &outputs[num_outputs++];
      out->name = value;
      if (!split_tensor_name(f, value, strlen(value), &out->op_name, &out->index)) goto done;
    }
  }
  if (num_outputs == 0) {
    failf(f, TF_INVALID_ARGUMENT, "nothing to fetch: give at least one --output");
    goto done;
  }

  library = TF_LoadLibrary(argv[1], status);
  if (!check(f, status, "TF_LoadLibrary")) goto done;
  if (!serve_in_process(f, argv[1], serve_specs, num_served)) goto done;

  session_options = TF_NewSessionOptions();
  graph = TF_NewGraph();
  const char* tags[] = {"serve"};
  session =
      TF_LoadSessionFromSavedModel(session_options, NULL, argv[2], tags, 1, graph, NULL, status);
  if (!check(f, status, "TF_LoadSessionFromSavedModel")) goto done;

  for (int i = 0; i < num_inputs; ++i) {
    if (!resolve(f, graph, inputs[i].op_name, inputs[i].index, inputs[i].spec, &feeds[i]))
      goto done;
    const TF_DataType want = TF_OperationOutputType(feeds[i]);
    if (want != inputs[i].type) {
      const DType* known = dtype_by_type(want);
      failf(f, TF_INVALID_ARGUMENT,
            "--input '%s': the graph's tensor has dtype %s (TF_DataType %d)", inputs[i].spec,
            known ? known->name : "other", (int)want);
      goto done;
    }
    feed_values[i] = make_input_tensor(f, &inputs[i]);
    if (feed_values[i] == NULL) goto done;
  }
  for (int i = 0; i < num_outputs; ++i) {
    if (!resolve(f, graph, outputs[i].op_name, outputs[i].index, outputs[i].name, &fetches[i])) {
      goto done;
    }
  }

  TF_SessionRun(session, NULL, feeds, feed_values, num_inputs, fetches, fetch_values, num_outputs,
                NULL, 0, NULL, status);
  if (!check(f, status, "TF_SessionRun")) goto done;

  text_append(&json, "{\"outputs\":[", 12);
  for (int i = 0; i < num_outputs; ++i) {
    if (fetch_values[i] == NULL || dtype_by_type(TF_TensorType(fetch_values[i])) == NULL) {
      failf(f, TF_UNIMPLEMENTED,
            "--output %s: dtype TF_DataType %d is not float32, int32, int64 or string",
            outputs[i].name, fetch_values[i] ? (int)TF_TensorType(fetch_values[i]) : -1);
      goto done;
    }
    if (i) text_append(&json, ",", 1);
    append_output_json(&json, outputs[i].name, fetch_values[i]);
  }
  text_append(&json, "]}", 2);
  if (json.failed) failf(f, TF_RESOURCE_EXHAUSTED, "out of memory");

done:
  if (library != NULL) unserve_in_process(argv[1], serve_specs, num_served);
  if (session != NULL) {
    TF_CloseSession(session, status);
    if (TF_GetCode(status) != TF_OK) {
      fprintf(stderr, "TF_CloseSession: %s\n", TF_Message(status));
    }
    TF_DeleteSession(session, status);
    if (TF_GetCode(status) != TF_OK) {
      fprintf(stderr, "TF_DeleteSession: %s\n", TF_Message(status));
    }
  }
  for (int i = 0; i < num_outputs; ++i) {
    if (fetch_values && fetch_values[i]) TF_DeleteTensor(fetch_values[i]);
    free(outputs[i].op_name);
  }
  for (int i = 0; i < num_inputs; ++i) {
    if (feed_values && feed_values[i]) TF_DeleteTensor(feed_values[i]);
    free(inputs[i].op_name);
  }
  if (graph != NULL) TF_DeleteGraph(graph);
  if (session_options != NULL) TF_DeleteSessionOptions(session_options);
  if (library != NULL) TF_DeleteLibraryHandle(library);
  if (status != NULL) TF_DeleteStatus(status);
  free(inputs);
  free(outputs);
  free(feeds);
  free(feed_values);
  free(fetches);
  free(fetch_values);
  free(serve_specs);

  int exit_code = 0;
  if (failure.code == TF_OK) {
    printf("%s\n", json.data);
  } else {
    Text error = {NULL, 0, 0, 0};
    text_printf(&error, "{\"error\":{\"code\":%d,\"message\":", failure.code);
    text_json_string(&error, failure.message.data ? failure.message.data : "",
                     failure.message.length);
    text_append(&error, "}}", 2);
    printf("%s\n",
           error.failed ? "{\"error\":{\"code\":8,\"message\":\"out of memory\"}}" : error.data);
    free(error.data);
    exit_code = 1;
  }
  fflush(stdout);
  free(json.data);
  free(failure.message.data);
  return exit_code;
}
