/* The op library loads through TensorFlow's C API and registers the op. */
#include <stdio.h>
#include <string.h>

#include "tensorflow/c/c_api.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <op library>\n", argv[0]);
    return 2;
  }
  TF_Status* status = TF_NewStatus();
  TF_Library* library = TF_LoadLibrary(argv[1], status);
  if (TF_GetCode(status) != TF_OK) {
    fprintf(stderr, "TF_LoadLibrary failed: %s\n", TF_Message(status));
    return 1;
  }
  TF_Buffer ops = TF_GetOpList(library);
  const char* name = "TfServingRemotePredict";
  int found = memmem(ops.data, ops.length, name, strlen(name)) != NULL;
  TF_DeleteLibraryHandle(library);
  TF_DeleteStatus(status);
  if (!found) {
    fprintf(stderr, "%s is not in the library's op list\n", name);
    return 1;
  }
  printf("TF %s: %s registered\n", TF_Version(), name);
  return 0;
}
