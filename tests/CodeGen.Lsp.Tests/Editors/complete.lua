-- Neovim (0.7+) headless: start the CodeGen language server with the built-in LSP client on a file, type a
-- line through the buffer (incremental didChange), ask for textDocument/completion and
-- textDocument/inlineCompletion at the cursor, write both results as JSON, and shut the server down.
-- Environment: CODEGEN_LSP (command, space-separated), CODEGEN_ROOT, CODEGEN_FILE, CODEGEN_LINE (0-based),
-- CODEGEN_TYPE (text typed at the end of that line), CODEGEN_OUT (result file).
local function fail(message)
  local f = io.open(os.getenv("CODEGEN_OUT"), "w")
  f:write(vim.fn.json_encode({ error = message }))
  f:close()
  vim.cmd("qa!")
end

vim.cmd("edit " .. os.getenv("CODEGEN_FILE"))
local bufnr = vim.api.nvim_get_current_buf()
local cmd = vim.split(os.getenv("CODEGEN_LSP"), " ", { plain = true })
local client_id = vim.lsp.start_client({
  name = "codegen",
  cmd = cmd,
  root_dir = os.getenv("CODEGEN_ROOT"),
  init_options = { debounceMs = 0 },
  flags = { debounce_text_changes = 0 },
})
if not client_id then fail("start_client failed") return end
vim.lsp.buf_attach_client(bufnr, client_id)
local ready = vim.wait(60000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized == true
end, 20)
if not ready then fail("the server did not initialize") return end
local client = vim.lsp.get_client_by_id(client_id)

-- Type at the end of the line, as an editor user would (Neovim sends it as an incremental didChange).
local line = tonumber(os.getenv("CODEGEN_LINE"))
local typed = os.getenv("CODEGEN_TYPE")
local current = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, true)[1]
vim.api.nvim_buf_set_text(bufnr, line, #current, line, #current, { typed })
local character = #current + #typed

local params = {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  position = { line = line, character = character },
  context = { triggerKind = 1 },
}
local completion = vim.lsp.buf_request_sync(bufnr, "textDocument/completion", params, 60000)
local inline = vim.lsp.buf_request_sync(bufnr, "textDocument/inlineCompletion", params, 60000)
local result = {
  encoding = client.offset_encoding,
  sync = client.server_capabilities.textDocumentSync,
  text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, true), "\n"),
  completion = completion and completion[client_id] and completion[client_id].result or vim.NIL,
  inline = inline and inline[client_id] and inline[client_id].result or vim.NIL,
}
local f = io.open(os.getenv("CODEGEN_OUT"), "w")
f:write(vim.fn.json_encode(result))
f:close()
client.stop()
vim.wait(10000, function() return client.is_stopped() end, 20)
vim.cmd("qa!")
