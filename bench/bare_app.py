"""The peer for bench/startup.py: the smallest Gradio app, one textbox."""

import gradio as gr

with gr.Blocks() as demo:
    gr.Textbox()

if __name__ == "__main__":
    demo.launch()
